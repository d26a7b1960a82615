"""The library's one receiver: whatever `articles` stores becomes a library item.

`articles.signals.image_stored` is sent after the body editor's upload and after a new
cover is saved; articles cannot call this app (the arrows point the other way), so it
announces the file and the library registers it. A file the library cannot read back is
logged and left out of the library: the upload itself has succeeded and stays.
"""

import logging

from django.core.exceptions import ValidationError

from articles import images
from articles.signals import image_stored

from . import services

logger = logging.getLogger(__name__)


def register_stored_image(sender, *, name, renditions, alt="", by=None, original_name="", **kw):
    try:
        services.media_image_register(
            name=name, renditions=renditions, alt=alt, by=by, original_name=original_name
        )
    except (images.ImageProcessingError, ValidationError):
        logger.warning("Library: could not register the stored image %s", name, exc_info=True)


def connect() -> None:
    """Called once, from MediaLibraryConfig.ready()."""
    image_stored.connect(register_stored_image, dispatch_uid="media-library-register")
