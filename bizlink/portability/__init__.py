"""Portability: one Business Center's data out as a versioned JSON document, and back in.

`queries.export_business(bc_id)` builds the document (`format` says what is in it);
`actions.import_business(document)` re-creates it in an empty database in one transaction.
`manage.py export_business` / `import_business` are the command-line faces; docs/backups.md
has the operator's view, next to whole-database backups.
"""
