"""Topics: clustering feedback texts into topics (the workbench's only importer of nlp)."""
