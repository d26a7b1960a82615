"""图片库 (the media library): every image uploaded to the site, browsable and reusable.

An image is registered once per content (its SHA-256: the same picture uploaded twice is
one library item) whichever way it came in: through the library itself (with its 替代文字,
required there), as an article's cover, or from the body editor. `articles` announces the
last two with its `image_stored` signal and knows nothing of this app (README "Code map":
arrows point to articles, never from it).

- `models`: `MediaImage`, the stored file, its alt text, size and renditions;
- `services`: the writes (register, upload, set alt text, delete), each one transaction;
- `usage`: which articles use an image (cover or body), read by the delete check;
- `signals`: registers what `articles` stores;
- `admin/`: the 图片库 pages, the picker's JSON, and the article form's
  "从图片库选择" and the editor's 图片库 button (`admin/article.py`).
"""
