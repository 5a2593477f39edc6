"""Settings pages: poverty lines with versions, rule sets and score weights loaded from JSON,
the version in use, who may do what, and that a new rule set changes a classification."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.factories import make_household

from entas.core.models import AuditEvent
from entas.registry import choices as rc
from entas.registry.services import welfare_record
from entas.targeting import choices as c
from entas.targeting import defaults, services
from entas.targeting.models import Classification, PovertyLine, RuleSet, ScoreModel

pytestmark = pytest.mark.django_db

LOCAL = {
    "kind": "lokal",
    "basis": "Perwal Semarang",
    "region_code": "33.74",
    "effective_from": "2025-01-01",
    "amount": "10.000",
    "unit": "hari",
    "source_url": "https://semarangkota.go.id/perwal",
    "note": "di bawah Rp10.000/orang/hari",
}


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def _text(response) -> str:
    return response.content.decode()


def _local_rules() -> dict:
    rules = defaults.rules()
    rules["extreme_line"] = {"kind": "lokal", "basis": "Perwal Semarang"}
    return rules


def _upload(client, kind: str, **fields):
    name = "rules_upload" if kind == "aturan" else "weights_upload"
    data = {f"{kind}-{key}": value for key, value in fields.items()}
    return client.post(reverse(f"targeting:{name}"), data)


# --- who may do what ---------------------------------------------------------------------

READERS = {"admin_dinsos", "officer_tembalang", "officer_tugu", "leader"}
PAGES = ["lines", "parameters", "parameters_detail", "parameters_download"]


def _page_url(name: str) -> str:
    if name.startswith("parameters_"):
        return reverse(f"targeting:{name}", args=["aturan", RuleSet.objects.get(version=1).pk])
    return reverse(f"targeting:{name}")


@pytest.mark.parametrize("page", PAGES)
def test_reading_pages_follow_can_view_targeting(cast, client_for, page):
    url = _page_url(page)
    for name, user in cast.items():
        expected = 200 if name in READERS else 403
        assert client_for(user).get(url).status_code == expected, name


def test_only_managers_open_the_line_forms(cast, client_for):
    line = PovertyLine.objects.filter(is_current=True).first()
    for url in (reverse("targeting:line_create"), reverse("targeting:line_revise", args=[line.pk])):
        for name, user in cast.items():
            expected = 200 if name == "admin_dinsos" else 403
            assert client_for(user).get(url).status_code == expected, (url, name)


def test_leader_reads_but_cannot_change_anything(leader, client_for):
    client = client_for(leader)
    line = PovertyLine.objects.filter(is_current=True).first()
    weights = ScoreModel.objects.create(version=2, name="Lain", parameters=defaults.score_weights())
    before = (PovertyLine.objects.count(), RuleSet.objects.count(), AuditEvent.objects.count())
    posts = [
        (reverse("targeting:line_create"), LOCAL),
        (reverse("targeting:line_revise", args=[line.pk]), {**LOCAL, "reason": "uji"}),
        (reverse("targeting:rules_upload"), {"aturan-name": "x", "aturan-text": "{}"}),
        (reverse("targeting:weights_upload"), {"bobot-name": "x", "bobot-text": "{}"}),
        (reverse("targeting:parameters_activate", args=["bobot", weights.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert (
        PovertyLine.objects.count(),
        RuleSet.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    weights.refresh_from_db()
    assert not weights.is_active
    page = _text(client.get(reverse("targeting:parameters")))
    assert "Muat versi baru" not in page
    assert "Pakai v2" not in page


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("targeting:lines"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- poverty lines -----------------------------------------------------------------------


def test_admin_adds_a_local_line_and_sees_it_listed(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    response = client.post(reverse("targeting:line_create"), LOCAL)
    assert response.status_code == 302
    assert response["Location"] == reverse("targeting:lines")
    line = PovertyLine.objects.get(kind="lokal")
    assert line.region_name == "Kota Semarang"
    assert line.amount == Decimal("10000.00")
    assert line.unit == c.LineUnit.PER_DAY
    assert line.monthly_amount == Decimal("300000.00")
    assert (line.version, line.is_current, line.created_by) == (1, True, admin_dinsos)
    [event] = _events("targeting.line_create")
    assert event.actor == admin_dinsos
    assert event.target_id == str(line.pk)
    page = _text(client.get(reverse("targeting:lines")))
    assert "Perwal Semarang" in page
    assert 'Rp10.000 <span class="muted">per orang per hari</span>' in page
    assert "Rp300.000" in page
    assert "di bawah Rp10.000/orang/hari" in page


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("10.000", Decimal("10000.00")),
        ("Rp 10.000", Decimal("10000.00")),
        ("351.957,40", Decimal("351957.40")),
        ("351957.4", Decimal("351957.40")),
        ("10739", Decimal("10739.00")),
    ],
)
def test_amount_is_read_the_indonesian_way(admin_dinsos, client_for, typed, stored):
    response = client_for(admin_dinsos).post(
        reverse("targeting:line_create"), {**LOCAL, "amount": typed}
    )
    assert response.status_code == 302
    assert PovertyLine.objects.get(kind="lokal").amount == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("sepuluh ribu", "Nilai garis harus berupa angka rupiah, mis. 10.000 atau 351.957,40."),
        ("0", "Nilai garis harus lebih dari nol."),
        ("-5", "Nilai garis harus lebih dari nol."),
        ("10,125", "dengan paling banyak dua desimal"),
    ],
)
def test_a_bad_amount_is_refused(admin_dinsos, client_for, typed, message):
    response = client_for(admin_dinsos).post(
        reverse("targeting:line_create"), {**LOCAL, "amount": typed}
    )
    assert response.status_code == 400
    assert message in _text(response)
    assert not PovertyLine.objects.filter(kind="lokal").exists()


def test_a_region_not_in_the_kemendagri_list_is_refused(admin_dinsos, client_for):
    count = PovertyLine.objects.count()
    response = client_for(admin_dinsos).post(
        reverse("targeting:line_create"), {**LOCAL, "region_code": "33.99"}
    )
    assert response.status_code == 400
    assert "Kode wilayah 33.99 tidak ada dalam daftar Kemendagri." in _text(response)
    assert PovertyLine.objects.count() == count
    assert _events("targeting.line_create") == []


def test_region_00_is_indonesia(admin_dinsos, client_for):
    response = client_for(admin_dinsos).post(
        reverse("targeting:line_create"), {**LOCAL, "region_code": "00"}
    )
    assert response.status_code == 302
    assert PovertyLine.objects.get(kind="lokal").region_name == "Indonesia"


def test_the_same_line_twice_is_refused(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    assert client.post(reverse("targeting:line_create"), LOCAL).status_code == 302
    response = client.post(reverse("targeting:line_create"), {**LOCAL, "amount": "12.000"})
    assert response.status_code == 400
    assert "Garis yang sama (jenis, dasar, wilayah, tanggal berlaku) sudah ada" in _text(response)
    assert PovertyLine.objects.filter(kind="lokal").count() == 1
    assert len(_events("targeting.line_create")) == 1


def test_revising_a_line_keeps_the_old_version(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    client.post(reverse("targeting:line_create"), LOCAL)
    old = PovertyLine.objects.get(kind="lokal")
    reason = "Perwal 2025 menaikkan batas menjadi Rp11.000."
    response = client.post(
        reverse("targeting:line_revise", args=[old.pk]),
        {**LOCAL, "amount": "11.000", "reason": reason},
    )
    assert response.status_code == 302
    old.refresh_from_db()
    new = PovertyLine.objects.get(kind="lokal", is_current=True)
    assert PovertyLine.objects.filter(kind="lokal").count() == 2
    assert (old.is_current, old.version, old.amount) == (False, 1, Decimal("10000.00"))
    assert (new.version, new.replaces, new.amount) == (2, old, Decimal("11000.00"))
    [event] = _events("targeting.line_revise")
    assert event.reason == reason
    assert event.target_id == str(new.pk)
    assert event.changes == {"amount": ["10000.00", "11000.00"]}
    page = _text(client.get(reverse("targeting:lines")))
    assert "Tampilkan 1 versi lama" in page
    assert reason in page


def test_an_old_version_cannot_be_revised(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    client.post(reverse("targeting:line_create"), LOCAL)
    old = PovertyLine.objects.get(kind="lokal")
    client.post(
        reverse("targeting:line_revise", args=[old.pk]),
        {**LOCAL, "amount": "11.000", "reason": "naik"},
    )
    response = client.post(
        reverse("targeting:line_revise", args=[old.pk]),
        {**LOCAL, "amount": "12.000", "reason": "lagi"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("targeting:lines"), 302)]
    assert "Versi 1 garis ini sudah diganti; ubah versi terbarunya." in _text(response)
    assert PovertyLine.objects.filter(kind="lokal").count() == 2
    assert len(_events("targeting.line_revise")) == 1


def test_a_revision_needs_a_reason_and_a_change(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    client.post(reverse("targeting:line_create"), LOCAL)
    line = PovertyLine.objects.get(kind="lokal")
    url = reverse("targeting:line_revise", args=[line.pk])
    no_reason = client.post(url, {**LOCAL, "amount": "11.000", "reason": " "})
    assert no_reason.status_code == 400
    assert "Tuliskan alasan perubahan garis." in _text(no_reason)
    unchanged = client.post(url, {**LOCAL, "reason": "tidak ada"})
    assert unchanged.status_code == 400
    assert "Tidak ada yang berubah." in _text(unchanged)
    assert PovertyLine.objects.filter(kind="lokal").count() == 1
    assert _events("targeting.line_revise") == []


def test_a_revision_onto_another_current_line_is_refused(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    client.post(reverse("targeting:line_create"), LOCAL)
    client.post(reverse("targeting:line_create"), {**LOCAL, "effective_from": "2026-01-01"})
    later = PovertyLine.objects.get(kind="lokal", effective_from=dt.date(2026, 1, 1))
    response = client.post(
        reverse("targeting:line_revise", args=[later.pk]), {**LOCAL, "reason": "salah tanggal"}
    )
    assert response.status_code == 400
    assert "Sudah ada garis lain dengan jenis, dasar, wilayah dan tanggal berlaku" in _text(
        response
    )
    assert PovertyLine.objects.filter(kind="lokal").count() == 2
    assert _events("targeting.line_revise") == []


def test_the_lines_page_names_the_lines_in_use_or_why_none(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    page = _text(client.get(reverse("targeting:lines")))
    assert "Aturan bawaan v1" in page
    assert "USD 2.15 PPP 2017, Indonesia, sejak 1 Jan 2025</a>" in page
    rules = defaults.rules() | {"extreme_line": {"kind": "lokal", "basis": "Tidak ada"}}
    services.rules_load(actor=admin_dinsos, name="Tanpa garis", parameters=rules, activate=True)
    page = _text(client.get(reverse("targeting:lines")))
    assert "Tidak ada garis lokal (Tidak ada) yang berlaku pada" in page


# --- rule sets and score weights ---------------------------------------------------------


def test_a_rule_set_with_an_error_is_refused_verbatim(admin_dinsos, client_for):
    rules = defaults.rules() | {"desil": {"ekstrem": 3, "miskin": 2, "rentan": 4}}
    events = AuditEvent.objects.count()
    response = _upload(
        client_for(admin_dinsos), "aturan", name="Salah", text=json.dumps(rules), activate="on"
    )
    assert response.status_code == 400
    assert "Batas desil harus naik: ekstrem ≤ miskin ≤ rentan." in _text(response)
    assert list(RuleSet.objects.values_list("version", "is_active")) == [(1, True)]
    assert AuditEvent.objects.count() == events


def test_weights_with_an_unknown_asset_are_refused_verbatim(admin_dinsos, client_for):
    weights = defaults.score_weights()
    weights["assets"]["kuda"] = 4
    response = _upload(client_for(admin_dinsos), "bobot", name="Salah", text=json.dumps(weights))
    assert response.status_code == 400
    assert "Kode “kuda” di “assets” tidak dikenal." in _text(response)
    assert ScoreModel.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"desil": {"ekstrem": 1,}}', "JSON tidak valid pada baris 1 kolom 25"),
        (b'{"a": 1} x', "ada isi lain setelah JSON selesai"),
        (b'{"a": NaN}', "NaN bukan angka yang dikenal JSON"),
        ('{"catatan": "é"}'.encode("cp1252"), "Berkas bukan teks UTF-8 (bait ke-14)."),
        (b" " * (200 * 1024 + 1), "lebih besar dari 200 KB"),
        (b"[" * 100_000, "JSON tidak valid"),
        (b'{"note": "a\\u0000b"}', "JSON memuat karakter NUL"),
    ],
)
def test_a_bad_file_changes_nothing(admin_dinsos, client_for, content, message):
    events = AuditEvent.objects.count()
    upload = SimpleUploadedFile("aturan.json", content, content_type="application/json")
    response = client_for(admin_dinsos).post(
        reverse("targeting:rules_upload"), {"aturan-name": "Berkas", "aturan-file": upload}
    )
    assert response.status_code == 400
    assert message in _text(response)
    assert RuleSet.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_file_and_pasted_text_together_are_refused(admin_dinsos, client_for):
    upload = SimpleUploadedFile("bobot.json", json.dumps(defaults.score_weights()).encode())
    response = client_for(admin_dinsos).post(
        reverse("targeting:weights_upload"),
        {"bobot-name": "Dua", "bobot-file": upload, "bobot-text": "{}"},
    )
    assert response.status_code == 400
    assert "Pilih salah satu: unggah berkas atau tempel JSON, jangan keduanya." in _text(response)
    nothing = _upload(client_for(admin_dinsos), "bobot", name="Kosong", text="  ")
    assert "Unggah berkas JSON atau tempel isinya." in _text(nothing)
    assert ScoreModel.objects.count() == 1


def test_a_valid_rule_set_uploaded_and_activated_is_the_one_in_use(admin_dinsos, client_for):
    content = json.dumps(_local_rules(), ensure_ascii=False).encode("utf-8-sig")
    upload = SimpleUploadedFile("aturan-lokal.json", content, content_type="application/json")
    response = client_for(admin_dinsos).post(
        reverse("targeting:rules_upload"),
        {
            "aturan-name": "Garis lokal Semarang",
            "aturan-note": "Perwal",
            "aturan-file": upload,
            "aturan-activate": "on",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("targeting:parameters"), 302)]
    [active] = RuleSet.objects.filter(is_active=True)
    assert (active.version, active.name, active.note) == (2, "Garis lokal Semarang", "Perwal")
    assert active.parameters == _local_rules()
    assert active.created_by == admin_dinsos
    assert len(_events("targeting.rules_load")) == 1
    assert len(_events("targeting.ruleset_activate")) == 1
    page = _text(response)
    assert "Garis lokal Semarang v2 disimpan dan dipakai." in page
    # No local line exists yet: the admin is told now rather than at classification.
    assert "Tidak ada garis lokal (Perwal Semarang) yang berlaku pada" in page


def test_uploaded_weights_without_activate_leave_the_version_in_use(admin_dinsos, client_for):
    weights = defaults.score_weights() | {"intercept": 50}
    response = _upload(client_for(admin_dinsos), "bobot", name="Uji", text=json.dumps(weights))
    assert response.status_code == 302
    assert list(ScoreModel.objects.values_list("version", "is_active")) == [(2, False), (1, True)]


def test_switching_the_version_in_use(admin_dinsos, client_for):
    client = client_for(admin_dinsos)
    second = services.weights_load(
        actor=admin_dinsos, name="Kedua", parameters=defaults.score_weights()
    )
    response = client.post(reverse("targeting:parameters_activate", args=["bobot", second.pk]))
    assert response.status_code == 302
    assert list(ScoreModel.objects.filter(is_active=True)) == [second]
    [event] = _events("targeting.scoremodel_activate")
    assert event.actor == admin_dinsos
    again = client.post(
        reverse("targeting:parameters_activate", args=["bobot", second.pk]), follow=True
    )
    assert "Kedua v2 sudah dipakai." in _text(again)
    assert len(_events("targeting.scoremodel_activate")) == 1
    wrong_kind = client.post(reverse("targeting:parameters_activate", args=["garis", second.pk]))
    assert wrong_kind.status_code == 404
    missing = client.post(reverse("targeting:parameters_activate", args=["aturan", 999]))
    assert missing.status_code == 404
    assert (
        client.get(reverse("targeting:parameters_activate", args=["bobot", 1])).status_code == 405
    )


def test_the_rule_set_page_says_what_the_rules_do(leader, client_for):
    rule_set = RuleSet.objects.get(version=1)
    page = _text(
        client_for(leader).get(reverse("targeting:parameters_detail", args=["aturan", rule_set.pk]))
    )
    assert "di bawah 1,20 × garis kemiskinan → rentan miskin" in page
    assert "miskin ekstrem sampai desil 1; miskin sampai desil 2; rentan miskin sampai desil 4" in (
        page
    )
    assert "<tr><td>Pindah</td><td>Keluar dari daftar</td></tr>" in page
    assert "Temuan berlaku 365 hari sejak kunjungan." in page
    assert "Kandidat verval: 10% keluarga" in page
    assert "Graduasi: di atas status “Miskin ekstrem” selama 2 periode berturut-turut" in page
    assert "Hari ini: USD 2.15 PPP 2017, Indonesia, sejak 1 Jan 2025, Rp391.000" in page
    assert "&quot;vulnerable_multiple&quot;: 1.2" in page


def test_the_weights_page_lists_points_with_labels(leader, client_for):
    weights = ScoreModel.objects.get(version=1)
    page = _text(
        client_for(leader).get(reverse("targeting:parameters_detail", args=["bobot", weights.pk]))
    )
    assert "Nilai awal: 60 poin." in page
    assert "Anggota keluarga: -3 poin untuk setiap anggota mulai anggota ke-5." in page
    assert "Luas lantai per orang di bawah 8 m²: -6 poin." in page
    assert '<tr><td>Tanah</td><td class="number">-10</td></tr>' in page
    assert '<tr><td>Ubin/tegel/teraso</td><td class="number">0</td></tr>' in page
    assert '<tr><td>Mobil</td><td class="number">12</td></tr>' in page


def test_download_gives_the_stored_json(officer_tembalang, client_for):
    rule_set = RuleSet.objects.get(version=1)
    response = client_for(officer_tembalang).get(
        reverse("targeting:parameters_download", args=["aturan", rule_set.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="aturan-v1.json"'
    assert json.loads(response.content) == rule_set.parameters


# --- a new rule set changes a classification --------------------------------------------


def test_an_activated_local_line_decides_the_extreme_status(admin_dinsos, client_for):
    # Rp350.000/person/month: extreme under the BPS USD 2.15 line (Rp391.000), but not under
    # a local "below Rp10.000/day" line (Rp300.000/month); still below the GK (Rp609.160).
    family = make_household(members=3)
    welfare_record(
        actor=None,
        household=family,
        as_of=dt.date(2025, 2, 1),
        source=rc.Source.DTSEN,
        values={"expenditure_per_capita": 350_000},
    )
    period = services.period_create(
        actor=admin_dinsos,
        code="2025-06",
        name="Juni 2025",
        starts_on=dt.date(2025, 6, 1),
        ends_on=dt.date(2025, 6, 30),
    )
    services.period_classify(actor=admin_dinsos, period=period)
    before = Classification.objects.get(period=period, household=family)
    bps = PovertyLine.objects.get(kind="ekstrem", basis="USD 2.15 PPP 2017")
    assert (before.status, before.rule, before.extreme_line_id) == (
        "ekstrem",
        "pengeluaran",
        bps.pk,
    )

    client = client_for(admin_dinsos)
    client.post(reverse("targeting:line_create"), LOCAL)
    local = PovertyLine.objects.get(kind="lokal")
    _upload(client, "aturan", name="Garis lokal", text=json.dumps(_local_rules()), activate="on")
    services.period_classify(actor=admin_dinsos, period=period)

    after = Classification.objects.get(period=period, household=family)
    assert (after.status, after.rule, after.extreme_line_id) == ("miskin", "pengeluaran", local.pk)
    period.refresh_from_db()
    assert period.rules == RuleSet.objects.get(name="Garis lokal")
    assert period.extreme_line == local
    page = _text(client.get(reverse("targeting:lines")))
    assert "Perwal Semarang, Kota Semarang, sejak 1 Jan 2025</a>" in page
