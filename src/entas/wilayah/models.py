from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    KELURAHAN = "kelurahan", _("Kelurahan")
    DESA = "desa", _("Desa")


class Region(models.Model):
    """A Kemendagri administrative region, keyed by its dotted code (``33.74.01.1001``).

    Level 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan. The parent of a
    region is the code without its last segment. Loaded from the national list; never
    edited by hand.
    """

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=100)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    kind = models.CharField(_("jenis"), max_length=10, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"], name="region_parent_name")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="region_level_1_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def plain_code(self) -> str:
        return self.code.replace(".", "")


class Boundary(models.Model):
    """A region outline (GeoJSON, EPSG:4326) with the attribution its licence asks for."""

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, primary_key=True, related_name="boundary"
    )
    geometry = models.JSONField(_("geometri"))
    centroid_lat = models.FloatField(_("lintang titik tengah"))
    centroid_lng = models.FloatField(_("bujur titik tengah"))
    area_km2 = models.FloatField(_("luas (km², perkiraan)"), null=True, blank=True)
    attribution = models.CharField(_("atribusi"), max_length=200)

    class Meta:
        verbose_name = _("batas wilayah")
        verbose_name_plural = _("batas wilayah")

    def __str__(self) -> str:
        return f"Batas {self.region_id}"
