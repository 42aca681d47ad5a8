-- Word pairs for phrase searches (PostgreSQL only; FTS5 keeps positions in
-- its index). A GIN index over a tsvector keeps no positions, so a phrase
-- such as "supply chain" fetched every document holding both words and
-- checked each one's positions: at 100,000 synthetic passages, where the
-- two words are each in a third of the passages and together in 0.2 %,
-- 58 ms a query. A second GIN index now holds, per document, each pair of
-- consecutive lexemes of its vector ('suppli chain': the parser never makes
-- a lexeme with a space), and a phrase whose pairs are rare also asks for
-- them (search.pgTSQuery), so the index returns only the documents holding
-- the pairs and the phrase operator checks the positions of those.
--
-- The index is on an expression: the pairs are not stored in the table
-- (which would grow by half and slow every search's reads), and ANALYZE
-- keeps the expression's own statistics, which tell which pairs are common.
--
-- A pair is two lexemes at consecutive indexed positions: the stop words
-- between them are skipped on both sides, so "rights of women" is the pair
-- 'right women' in the query and in the text; a text where another word
-- stands between them ("rights protect women"), which the phrase operator
-- <2> alone would accept, is left out, as FTS5 leaves it out on SQLite.
--
-- The bodies are SQL-standard (RETURN), parsed when created, so the names
-- in them are bound then, whatever the search_path of a later session or
-- of pg_restore.

CREATE FUNCTION search_pairs(v tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT coalesce(array_to_tsvector(array_agg(p.pair)), ''::tsvector) FROM (
        SELECT l.lexeme || ' ' || lead(l.lexeme) OVER (ORDER BY l.pos) AS pair
        FROM (SELECT u.lexeme, unnest(u.positions) AS pos FROM unnest(v) AS u) AS l) AS p
    WHERE p.pair IS NOT NULL);

-- The pairs of a phrase as one tsquery (their conjunction); empty when the
-- phrase has fewer than two words left after stop words.
CREATE FUNCTION search_phrase_pairs(phrase text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT coalesce(string_agg('''' || replace(replace(l.pair, '\', '\\'), '''', '''''') || '''', ' & '), '')::tsquery
    FROM unnest(tsvector_to_array(search_pairs(to_tsvector('english'::regconfig, phrase)))) AS l(pair));

CREATE INDEX search_documents_pairs ON search_documents USING GIN (search_pairs(tsv));
