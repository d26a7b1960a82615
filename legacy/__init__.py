"""The legacy Jekyll archive of finews.withounder.com: importing it, and answering its old links.

Reading a post (pure, no database): `parser.parse_post` runs the steps of `frontmatter`,
`dates`, `footer`, `markup`, `stocks` and `slugs` and returns a `post.LegacyPost`; `files`
finds the post files. Importing: `importer` runs the loop and fills a `report`; `writing`
and `inserts` write through `articles.services` and `articles.models`, composing each story
by the rules of `stories`, with the lookups of `rows`, the failed files of `rejected` and
the pictures of `fetch`. This app depends on articles and search, never the reverse.
"""
