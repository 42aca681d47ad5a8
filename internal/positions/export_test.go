package positions

// DocsQuery is the statement listDocs runs for f.
var DocsQuery = docsQuery
