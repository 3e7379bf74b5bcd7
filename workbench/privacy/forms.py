from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired


class EraseForm(FlaskForm):
    confirm = StringField('Type "ERASE" to confirm', validators=[DataRequired()])
