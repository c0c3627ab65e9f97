"""Extensions created once and bound to the app in create_app()."""

from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from wesup.livestate import LiveState

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    """Declarative base with stable constraint names for Alembic."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# A request commits once, at its end, then serializes what it wrote: expiring everything on
# commit would only reload the same rows for the response.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
if TYPE_CHECKING:  # db.Model is made at run time; to the type checker it is a Base

    class Model(Base):
        __abstract__ = True

else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
socketio = SocketIO()
csrf = CSRFProtect()
babel = Babel()
live_state = LiveState()
# Sign-in limits today (wesup/loginlimits.py); limits of its own for anything else that needs
# them. No default limit: live pages and the API are never refused for their pace.
limiter = Limiter(get_remote_address)
