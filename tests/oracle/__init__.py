"""The access oracle: generated worlds and queries, run over HTTP against the service and
compared field by field with a reference implementation of ``access.md`` written here,
independently of ``authz/``."""
