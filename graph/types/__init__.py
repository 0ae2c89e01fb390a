"""The GraphQL types, one module per noun. Each client-related type keeps its ORM row and
its ``Scope`` private; its guarded fields carry ``@category`` and pass the guard."""
