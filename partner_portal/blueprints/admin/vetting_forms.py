"""Forms for vetting partners, groups, terms, staff and screening rules."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...models.accounts import STAFF_ROLES
from ...services import autorules, groups
from ...services.risk.signals import REGISTRY as SIGNALS


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _group_choices(blank: str | None = None) -> list[SelectChoice]:
    pairs = [("", blank)] if blank else []
    for group, _count in groups.list_groups():
        pairs.append((str(group.id), group.name + (" (default)" if group.is_default else "")))
    return _choices(pairs)


def _coerce_id(value):
    return int(value) if value not in (None, "", "None") else None


class DecisionForm(FlaskForm):
    """One decision; rendered once per allowed action with the action as prefix."""

    group_id = SelectField("Group", coerce=_coerce_id, validate_choice=False)
    reason = TextAreaField("Reason (staff only)", validators=[Optional(), Length(max=500)],
                           description="Kept in the audit log and on the partner's record.")
    message = TextAreaField("Message to the partner (optional)",
                            validators=[Optional(), Length(max=2000)],
                            description="Included in the email they receive.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = _group_choices("Default group")


class BulkForm(DecisionForm):
    action = SelectField("With the selected partners", choices=_choices([
        ("approve", "Approve"), ("reject", "Reject"), ("move", "Move to group")]))


class NoteForm(FlaskForm):
    body = TextAreaField("Add a note", validators=[DataRequired(), Length(max=5000)],
                         description="Visible to staff only.")


class MoveGroupForm(FlaskForm):
    group_id = SelectField("Group", coerce=_coerce_id, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = _group_choices("Choose…")


class GroupForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    is_default = BooleanField("Default group (new partners are approved into it unless "
                              "another is chosen)")


class TermsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Text", validators=[DataRequired(), Length(max=100_000)],
                         description="Partners accept this text, as a new version, on their "
                                     "next visit.")


class InviteForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=_choices((r, r.capitalize()) for r in STAFF_ROLES),
                       default="analyst")


class ScreeningForm(FlaskForm):
    denied_countries = StringField("Denied countries", validators=[Optional(), Length(max=2000)],
                                   description="Two-letter country codes separated by spaces, "
                                               "e.g. KP IR. Applicants from them are flagged.")


class RuleForm(FlaskForm):
    name = StringField("Rule name", validators=[DataRequired(), Length(max=80)])
    kind = SelectField("What it does",
                       choices=_choices((k.code, k.title) for k in autorules.KINDS.values()))
    max_score = IntegerField("Highest risk score to approve", default=0,
                             validators=[Optional(), NumberRange(0, 100)])
    min_score = IntegerField("Lowest risk score to reject", default=50,
                             validators=[Optional(), NumberRange(0, 100)])
    domains = StringField("Email domains to reject", validators=[Optional(), Length(max=2000)],
                          description="Separated by spaces, e.g. spam.example mailinator.com")
    signals = MultiCheckboxField("Reject when any of these signals is raised",
                                 choices=_choices((c, r.title) for c, r in SIGNALS.items()))
    banned_only = BooleanField("Only when the signal involves a banned partner")
    group_id = SelectField("Approve into group", coerce=_coerce_id, validate_choice=False)
    message = TextAreaField("Message to the applicant (optional)",
                            validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_id.choices = _group_choices("Default group")
