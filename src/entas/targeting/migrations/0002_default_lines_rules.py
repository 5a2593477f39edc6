"""Load the sourced poverty lines, rule set v1 and score weights v1."""

from django.db import migrations

from entas.targeting import defaults


def load_defaults(apps, schema_editor):
    defaults.load(
        apps.get_model("targeting", "PovertyLine"),
        apps.get_model("targeting", "RuleSet"),
        apps.get_model("targeting", "ScoreModel"),
    )


class Migration(migrations.Migration):
    dependencies = [("targeting", "0001_lines_rules_periods")]

    operations = [migrations.RunPython(load_defaults, migrations.RunPython.noop)]
