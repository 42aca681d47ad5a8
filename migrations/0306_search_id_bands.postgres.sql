-- The words' index by id band (PostgreSQL only: FTS5 walks its posting
-- lists newest first on SQLite). A GIN index keeps no order and no ranges,
-- so a search for the newest matches of a common word read every entry of
-- the word's posting list at every statement of its walk (search.walk),
-- whatever range of ids the statement asked for: at the demo's scale 10,
-- a third of a million entries for a word in a tenth of the documents.
-- The index now holds, beside each document's vector, its id band (the id
-- shifted right by 13: 8,192 ids a band), and a statement over a range of
-- ids asks for the range's bands (search.bandCond). GIN then reads the
-- bands' entries, fewer than any common word's, and skips through the
-- words' posting trees to those documents only ("fast scan").
--
-- The band is an expression of the index, not a column: the stored vector,
-- its statistics (ANALYZE's most common elements, which
-- search.pgCommonFreqs reads) and every document's ranking are unchanged,
-- and a statement on the words alone uses the index's first column as it
-- used the former index. The body is SQL-standard (RETURN), as in 0303.

CREATE FUNCTION search_band(id bigint) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY[(id >> 13)::integer];

DROP INDEX search_documents_tsv;
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv, search_band(id));
