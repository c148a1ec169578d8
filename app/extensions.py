"""The extension objects, created unbound; `create_app` binds them."""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from app.database import Base, LazySQLAlchemy

db = LazySQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
