from django import forms
from django.utils.translation import gettext_lazy as _

#: A 60,000-row decision file is some 5 MB; twice that leaves room for notes.
MAX_BYTES = 20 * 1024 * 1024


class DecisionsUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Decision file (CSV)"),
        help_text=_(
            "Columns: s10, outcome, reason, decided_at, note, reference; customs' assessment "
            "(optional): assessed_<tax> for each duty or tax, and assessed_currency."
        ),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(_("At most 20 MB per file."))
        return f
