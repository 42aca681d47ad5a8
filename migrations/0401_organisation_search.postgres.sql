-- The organisation registry's name search (PostgreSQL): two indexes on
-- organisations itself, kept in step by PostgreSQL:
--   organisations_name_trigrams  GIN over lower(name) with pg_trgm's
--                                gin_trgm_ops: LIKE '%abc%' for 3+ characters
--   organisations_name_words     GIN over to_tsvector('simple', name): word
--                                prefixes for 1- and 2-character queries
-- Matching is decided in internal/participation/registry.go.
--
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: any
-- user with CREATE on the database may install it. An existing pg_trgm is
-- used wherever it lives; otherwise it goes into "public" (or the current
-- schema if there is none), not a schema that may be dropped with its
-- tables. If this fails for want of rights, have a superuser run
-- CREATE EXTENSION pg_trgm in the database and start again.
DO $$
DECLARE
    ext_schema text;
BEGIN
    SELECT n.nspname INTO ext_schema
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NULL THEN
        IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
            ext_schema := 'public';
        ELSE
            ext_schema := current_schema();
        END IF;
        EXECUTE format('CREATE EXTENSION pg_trgm SCHEMA %I', ext_schema);
    END IF;
    EXECUTE format('CREATE INDEX organisations_name_trigrams ON organisations USING GIN (lower(name) %I.gin_trgm_ops)', ext_schema);
END
$$;

CREATE INDEX organisations_name_words ON organisations USING GIN (to_tsvector('simple', name));

-- The headquarters and consultative-status filters find their
-- organisations without walking the registry when they are the rarer
-- condition of a search (registry.go).
CREATE INDEX participation_profiles_hq ON participation_profiles (hq_iso3);
CREATE INDEX participation_profiles_ecosoc ON participation_profiles (ecosoc);
