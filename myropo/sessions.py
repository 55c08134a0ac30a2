"""Database sessions whose idle timer is written at most once a minute.

`SESSION_SAVE_EVERY_REQUEST` restarts the 30-minute idle expiry on every request, and with
the database backend that is a transaction with an UPDATE on every page (three round trips
of the ~10 a signed-in page makes; bench/staff_queue.py). A session that nothing changed is
not written again while its stored expiry is less than `REFRESH_AFTER` behind the one a save
would give it: the idle time can end up to a minute sooner than 30 minutes after the last
request, never later. A changed session (login, logout, a second factor, a new key) is
always saved at once.
"""

from datetime import datetime, timedelta

from django.contrib.sessions.backends import db

REFRESH_AFTER = timedelta(seconds=60)


class SessionStore(db.SessionStore):
    _stored_expiry: datetime | None = None

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        self._stored_expiry = session.expire_date if session is not None else None
        return session

    def save(self, must_create: bool = False) -> None:
        if not must_create and self.session_key is not None and not self.modified:
            self._get_session()  # loads the row (and its stored expiry) unless loaded already
            stored = self._stored_expiry
            if stored is not None and self.get_expiry_date() - stored < REFRESH_AFTER:
                return
        super().save(must_create=must_create)
        self._stored_expiry = self.get_expiry_date()
