-- An ATT&CK group's page (/incidents/actors/{id}) lists the published
-- statements naming it, newest first. Without an index on the named actor
-- the list walked every published statement in date order for a group
-- named in a few: 100 ms a view at the demo's scale 10 (35,000
-- statements).
CREATE INDEX incident_attributions_actor ON incident_attributions (named_actor, made_on, id);
