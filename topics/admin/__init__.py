"""专题 and the site menu in the admin, for editors (the 编辑 group; migration 0002).

- `topic`: 专题 with their chosen articles (an inline, in order) and rules;
- `navigation`: 导航菜单, the site menu's items in order;
- `forms`: the forms they use.
"""

from . import navigation, topic  # noqa: F401 - importing registers the ModelAdmins
