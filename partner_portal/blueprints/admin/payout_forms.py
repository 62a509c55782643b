"""Forms for the payout pages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from ...services.payout_details import METHOD_LABELS


class CreateBatchForm(FlaskForm):
    cutoff = DateField("Cut-off date", validators=[DataRequired(message="Enter the cut-off date.")],
                       description="Pays commissions approved up to the end of this day.")


class ReferenceForm(FlaskForm):
    reference = StringField("Reference", validators=[Optional(), Length(max=120)],
                            description="PayPal batch id or bank transaction id.")


class BatchSentForm(ReferenceForm):
    method = SelectField("Method", choices=[SelectChoice("", "All methods")]
                         + [SelectChoice(k, v) for k, v in METHOD_LABELS.items()],
                         validators=[Optional()])


class BatchPaidForm(FlaskForm):
    reference = StringField("Payment reference", validators=[Optional(), Length(max=120)],
                            description="One reference for every payout you mark paid: the "
                                        "PayPal batch id or bank transaction id.")


class ApproveBatchForm(FlaskForm):
    """The confirmation: the number of payouts and the total the manager was shown."""

    payouts = IntegerField(validators=[Optional()], widget=HiddenInput())
    total = HiddenField()

    def matches(self, count: int, total: Decimal) -> bool:
        try:
            shown = Decimal(self.total.data or "")
        except InvalidOperation:
            return False
        return self.payouts.data == count and shown == total


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])
    reference = StringField("Reference", validators=[Optional(), Length(max=120)])


class AdjustmentForm(FlaskForm):
    amount = StringField("Amount", validators=[DataRequired(message="Enter an amount.")],
                         description="Positive for a bonus, negative (e.g. -25.00) for a clawback.")
    reason = TextAreaField("Reason", validators=[DataRequired(message="Give a reason."),
                                                 Length(max=500)],
                           description="The partner sees this on their statement.")


class PayoutDetailsForm(FlaskForm):
    method = SelectField("Payout method", choices=[SelectChoice("", "Choose…")]
                         + [SelectChoice(k, v) for k, v in METHOD_LABELS.items()],
                         validators=[Optional()])
    paypal_email = StringField("PayPal email", validators=[Optional(), Length(max=254)])
    account_holder = StringField("Account holder", validators=[Optional(), Length(max=70)])
    iban = StringField("IBAN", validators=[Optional(), Length(max=42)])
    bic = StringField("BIC", validators=[Optional(), Length(max=11)],
                      description="Optional inside the SEPA area.")
    other_details = TextAreaField("Other payout details", validators=[Optional(), Length(max=2000)],
                                  description="For the “other” method: how this partner is paid.")


class PayoutSettingsForm(FlaskForm):
    min_payout = StringField("Minimum payout", validators=[DataRequired()],
                             description="Partners below this balance wait for the next batch.")
    payout_second_approver = BooleanField(
        "A batch must be approved by someone other than the person who created it")
    sepa_debtor_name = StringField("SEPA account name", validators=[Optional(), Length(max=70)])
    sepa_debtor_iban = StringField("SEPA account IBAN", validators=[Optional(), Length(max=42)])
    sepa_debtor_bic = StringField("SEPA account BIC", validators=[Optional(), Length(max=11)])
