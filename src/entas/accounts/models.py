from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from entas.core.models import BaseModel
from entas.wilayah.models import Region


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin Dinsos")
    FIELD_OFFICER = "field_officer", _("Petugas lapangan")
    OPD_OFFICER = "opd_officer", _("Petugas OPD")
    PARTNER = "partner", _("Mitra")
    LEADER = "leader", _("Pimpinan")
    AUDITOR = "auditor", _("Auditor")


class OrganizationKind(models.TextChoices):
    DINSOS = "dinsos", _("Dinas Sosial")
    OPD = "opd", _("Organisasi Perangkat Daerah")
    PARTNER = "partner", _("Mitra (CSR, Baznas, LSM)")
    LEADERSHIP = "leadership", _("Pimpinan daerah")


ROLES_FOR_KIND: dict[str, tuple[str, ...]] = {
    OrganizationKind.DINSOS: (Role.ADMIN, Role.FIELD_OFFICER, Role.AUDITOR),
    OrganizationKind.OPD: (Role.OPD_OFFICER,),
    OrganizationKind.PARTNER: (Role.PARTNER,),
    OrganizationKind.LEADERSHIP: (Role.LEADER,),
}
"""The roles an organisation of each kind may give its users (`accounts.services`)."""


class Organization(BaseModel):
    """A city agency (OPD) or partner organisation that users belong to."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=12, choices=OrganizationKind.choices)

    class Meta:
        verbose_name = _("organisasi")
        verbose_name_plural = _("organisasi")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. What they may see follows from `role`, `areas` and `organization`.

    Field officers see households in their areas (kecamatan or kelurahan regions); OPD
    officers and partners see only households referred to or adopted by their organisation;
    leaders see aggregates; auditors see the audit trail. The rules live in
    `accounts.access`, never in templates.
    """

    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)
    role = models.CharField(
        _("peran"), max_length=16, choices=Role.choices, default=Role.FIELD_OFFICER
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organisasi"), on_delete=models.PROTECT, null=True, blank=True
    )
    areas = models.ManyToManyField(
        Region, verbose_name=_("wilayah tugas"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.full_name or self.username
