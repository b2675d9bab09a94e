"""The operators' FX upload form: the file is checked here for what needs no parsing (present,
not too big, a known format); its lines are checked by the import job."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024  # ECB's whole history since 1999 is about 6 MB of XML


class FxUploadForm(forms.Form):
    FORMATS = [
        ("csv", _("CSV: date,base,quote,rate[,source]")),
        ("ecb", _("ECB eurofxref XML")),
    ]
    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="csv")
    file = forms.FileField(label=_("File"))
    source = forms.CharField(
        label=_("Source for lines without one"),
        max_length=200,
        required=False,
        help_text=_("For example: Banco Central de Chile, series F073.TCO.PRE.Z.D"),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)d MB; at most 10 MB.") % {"size": f.size // 1_000_000 or 1}
            )
        if f.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return f
