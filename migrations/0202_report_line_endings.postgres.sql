-- Line endings of report texts become LF. Browsers post a textarea with
-- CRLF, and saving the edit form used to store it so: every description
-- saved through the form differed from the same text saved through the API
-- or carried forward, and the comparison between versions showed measures
-- that nobody had edited as "changed: description". The platform now
-- normalises multi-line text to LF at the edge (api.NormalizeNewlines);
-- this repairs what was stored before, in drafts and in versions alike, so
-- existing comparisons become right. Only line endings change.

UPDATE report_measures SET description = replace(replace(description, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE description LIKE '%' || chr(13) || '%';
UPDATE report_norm_notes SET challenges = replace(replace(challenges, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE challenges LIKE '%' || chr(13) || '%';
UPDATE report_norm_notes SET capacity_gaps = replace(replace(capacity_gaps, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE capacity_gaps LIKE '%' || chr(13) || '%';
UPDATE reports SET ilaw_summary = replace(replace(ilaw_summary, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE ilaw_summary LIKE '%' || chr(13) || '%';
UPDATE report_versions SET ilaw_summary = replace(replace(ilaw_summary, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE ilaw_summary LIKE '%' || chr(13) || '%';
UPDATE report_versions SET note = replace(replace(note, chr(13) || chr(10), chr(10)), chr(13), chr(10)) WHERE note LIKE '%' || chr(13) || '%';
