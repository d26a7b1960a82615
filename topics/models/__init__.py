"""The topics app's models; see each module's docstring.

- `topic`: Topic (专题) and TopicEntry, the articles an editor put in it, in order;
- `navigation`: NavItem, one entry of the site menu, in the editors' order.
"""

from .navigation import NavItem
from .topic import Topic, TopicEntry

__all__ = ["NavItem", "Topic", "TopicEntry"]
