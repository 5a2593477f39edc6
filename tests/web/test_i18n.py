"""Bahasa Indonesia by default, English on request; catalogues compiled without gettext."""

import gettext

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from entas.core.management.commands.compile_messages import compile_file

PO = r"""
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

#: a.html
msgid "Cari"
msgstr "Search"

msgid "Baris "
"panjang \"dikutip\""
msgstr "A long "
"\"quoted\" line"

msgctxt "tombol"
msgid "Masuk"
msgstr "Sign in"

#, fuzzy
msgid "Keluar"
msgstr "Exit"

msgid "Belum"
msgstr ""

msgid "%(n)s individu"
msgid_plural "%(n)s individu"
msgstr[0] "%(n)s person"
msgstr[1] "%(n)s persons"
"""


def test_po_compiles_to_a_catalogue_gettext_reads(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(PO, encoding="utf-8")
    mo = compile_file(po)

    with mo.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)

    assert catalogue.gettext("Cari") == "Search"
    assert catalogue.gettext('Baris panjang "dikutip"') == 'A long "quoted" line'
    assert catalogue.pgettext("tombol", "Masuk") == "Sign in"
    assert catalogue.gettext("Keluar") == "Keluar"  # fuzzy: left out
    assert catalogue.gettext("Belum") == "Belum"  # untranslated: left out
    assert catalogue.ngettext("%(n)s individu", "%(n)s individu", 1) == "%(n)s person"
    assert catalogue.ngettext("%(n)s individu", "%(n)s individu", 3) == "%(n)s persons"


def test_broken_po_is_refused_with_its_file(tmp_path):
    po = tmp_path / "django.po"
    po.write_text('msgid "a"\nmsgstring "b"\n', encoding="utf-8")
    with pytest.raises(CommandError, match="Berkas terjemahan rusak: .*django.po"):
        compile_file(po)
    assert not po.with_suffix(".mo").exists()


def test_command_reports_a_broken_catalogue(tmp_path):
    folder = tmp_path / "en" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text('msgid "a"\nmsgstring "b"\n', encoding="utf-8")

    with pytest.raises(CommandError, match="Berkas terjemahan rusak"):
        call_command("compile_messages", str(tmp_path))


def test_project_catalogue_compiles(compiled_locale):
    mo = compiled_locale / "en" / "LC_MESSAGES" / "django.mo"

    with mo.open("rb") as file:
        catalogue = gettext.GNUTranslations(file)

    assert catalogue.gettext("Cari di registri") == "Search the registry"


@pytest.mark.django_db
def test_indonesian_is_the_default(officer_tembalang, client_for):
    response = client_for(officer_tembalang).get(reverse("registry:search"))

    assert '<html lang="id">' in response.text
    assert "Cari di registri" in response.text


@pytest.mark.django_db
def test_switching_to_english_and_back(english_available, officer_tembalang, client_for):
    client = client_for(officer_tembalang)

    english = client.post(
        reverse("set_language"), {"language": "en", "next": "/registri/?q=3374"}, follow=True
    )
    indonesian = client.post(
        reverse("set_language"), {"language": "id", "next": "/registri/"}, follow=True
    )

    assert '<html lang="en">' in english.text
    assert "Search the registry" in english.text
    assert "A NIK or KK number has 16 digits; 4 were typed." in english.text
    assert "Cari di registri" not in english.text
    assert "Cari di registri" in indonesian.text


@pytest.mark.django_db
def test_browser_language_is_ignored_until_the_user_chooses(
    settings, english_available, officer_tembalang, client_for
):
    settings.MIDDLEWARE = [
        "entas.core.middleware.ChosenLanguageMiddleware"
        if name.endswith("LocaleMiddleware")
        else name
        for name in settings.MIDDLEWARE
    ]
    client = client_for(officer_tembalang)

    by_browser = client.get(reverse("registry:search"), headers={"Accept-Language": "en-US,en"})
    client.post(reverse("set_language"), {"language": "en"})
    chosen = client.get(reverse("registry:search"), headers={"Accept-Language": "id"})

    assert "Cari di registri" in by_browser.text
    assert "Search the registry" in chosen.text
