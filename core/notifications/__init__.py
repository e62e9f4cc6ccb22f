"""In-app notifications (and their e-mail copies): ``notify`` in ``core.api``, the bell, the page."""
from core.notifications.links import link_to
from core.notifications.service import notify

__all__ = ["notify", "link_to"]
