from django.db import models
from django.utils.translation import gettext_lazy as _

from entas.registry.models import Household, Person


class GroundTruthPerson(models.Model):
    """What a synthetic person record really is: which human, and which mistakes it carries.

    Two records with the same `true_person` are the same human (a duplicate to find);
    `dirt` names the mistakes (``duplicate;name_typo;nik_missing``, see synth.dirt). Rows
    exist only for data loaded by `entas synth` and go with it.
    """

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    true_person = models.PositiveIntegerField(_("individu sebenarnya"), db_index=True)
    true_household = models.PositiveIntegerField(_("keluarga sebenarnya"))
    dirt = models.CharField(_("jenis kesalahan"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("kebenaran individu sintetis")
        verbose_name_plural = _("kebenaran individu sintetis")

    def __str__(self) -> str:
        return f"{self.person_id} → {self.true_person}"


class GroundTruthHousehold(models.Model):
    """What a synthetic family record really is, and whether the family is extreme poor."""

    household = models.OneToOneField(
        Household, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    true_household = models.PositiveIntegerField(_("keluarga sebenarnya"), db_index=True)
    is_extreme_poor = models.BooleanField(_("miskin ekstrem"))
    dirt = models.CharField(_("jenis kesalahan"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("kebenaran keluarga sintetis")
        verbose_name_plural = _("kebenaran keluarga sintetis")

    def __str__(self) -> str:
        return f"{self.household_id} → {self.true_household}"
