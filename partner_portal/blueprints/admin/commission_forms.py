"""Forms for the commissions list, decisions, the simulator, referral settings and coupons."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from ...models.commissions import COMMISSION_KINDS, COMMISSION_STATUSES
from .offer_forms import EVENT_CHOICES, options

KIND_LABELS = {"tier2": "Two-tier share"}


class GetForm(FlaskForm):
    """A form read from the query string (filters, the simulator): no CSRF token needed,
    as it changes nothing."""

    class Meta:
        csrf = False


class CommissionFilterForm(GetForm):
    status = SelectField("Status", validators=[Optional()], choices=options(
        [("", "Any status")] + [(s, s.capitalize()) for s in COMMISSION_STATUSES]))
    kind = SelectField("Kind", validators=[Optional()], choices=options(
        [("", "Any kind")] + [(k, KIND_LABELS.get(k, k.capitalize())) for k in COMMISSION_KINDS]))
    partner = StringField("Partner", validators=[Optional(), Length(max=254)],
                          description="Email or reference")
    offer = SelectField("Offer", coerce=lambda v: int(v) if v else None, validators=[Optional()])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


class DecideForm(FlaskForm):
    action = StringField("Action")  # set by the button pressed
    reason = StringField("Reason", validators=[Optional(), Length(max=500)],
                         description="Required to reject or hold; the partner sees it.")


class SimulatorForm(GetForm):
    partner = StringField("Partner", validators=[Length(max=254)],
                          description="Email or reference")
    offer = SelectField("Offer", coerce=lambda v: int(v) if v else None)
    event = SelectField("Event", choices=options(EVENT_CHOICES))
    amount = StringField("Sale amount", description="In the offer's currency.")
    days = StringField("Days after the click", validators=[Optional()],
                       description="Whole days; empty for a coupon or direct referral.")
    months = StringField("Months since the first sale", validators=[Optional()],
                         description="Renewals only.")


class ReferralSettingsForm(FlaskForm):
    subaffiliate_share = StringField("Recruiter's share (%)",
                                     description="Of each recruit's commission. 0 switches "
                                                 "two-tier off.")
    subaffiliate_levels = SelectField("Levels paid", choices=options([
        ("1", "1 — the direct recruiter only"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]))
    referral_discount = StringField(
        "Customer's discount on partners' own codes", validators=[Optional(), Length(max=200)],
        description="E.g. 10% off the first order. Partners can then take a code themselves on "
                    "their Offers page; empty: only the program team hands out codes.")


class CouponForm(FlaskForm):
    partner = StringField("Partner", validators=[Length(max=254)], description="Email or reference")
    code = StringField("Code", validators=[Optional(), Length(max=32)],
                       description="Letters, digits, - and _. Empty: one is made from the "
                                   "partner's name.")
    discount = StringField("Customer's discount", validators=[Length(max=200)],
                           description="What the referred customer gets, e.g. 10% off the first order.")
    offer = SelectField("Works on", coerce=lambda v: int(v) if v else None,
                        validators=[Optional()])
