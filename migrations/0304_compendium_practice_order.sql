-- A good practice's own sort key (its measure's cycle and title) and norms,
-- kept beside the mark by MarkPractice and by the sync that points each
-- practice at its measure's current published row. Listing a norm's
-- practices walked every practice to its measure and that measure's norms
-- in the reporting tables, and counting them per norm did it again: at
-- demo scale 10, 2,200 practices whose measures lie scattered over a 7.7 GB
-- database, 27 ms for a norm's page. Now the list walks the compendium's
-- own index in order and reads the reporting tables only for the rows of
-- the page (whose visibility they still decide), and the counts read the
-- compendium's tables alone.

ALTER TABLE compendium_practices ADD COLUMN cycle_year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE compendium_practices ADD COLUMN title TEXT NOT NULL DEFAULT '';
UPDATE compendium_practices SET
    cycle_year = COALESCE((SELECT m.cycle_year FROM report_measures m WHERE m.id = compendium_practices.measure_id), 0),
    title = COALESCE((SELECT m.title FROM report_measures m WHERE m.id = compendium_practices.measure_id), '')
WHERE measure_id <> '';
CREATE INDEX compendium_practices_order ON compendium_practices (cycle_year DESC, state_iso3, title, measure_key);

CREATE TABLE compendium_practice_norms (
    norm_id     TEXT NOT NULL,
    measure_key TEXT NOT NULL,
    PRIMARY KEY (norm_id, measure_key)
);
CREATE INDEX compendium_practice_norms_key ON compendium_practice_norms (measure_key);
INSERT INTO compendium_practice_norms (norm_id, measure_key)
    SELECT n.norm_id, p.measure_key FROM compendium_practices p JOIN report_measure_norms n ON n.measure_id = p.measure_id WHERE p.measure_id <> ''
    UNION
    SELECT m.norm_id, p.measure_key FROM compendium_practices p JOIN report_measures m ON m.id = p.measure_id WHERE p.measure_id <> '';
