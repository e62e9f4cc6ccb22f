"""What a plugin's own test run gets from ``pytest_plugins = ["core.testing"]``."""
import subprocess
import sys
import textwrap


def test_known_warnings_are_ignored_without_copying_the_crms_configuration(tmp_path):
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["core.testing"]\n')
    (tmp_path / "test_form.py").write_text(textwrap.dedent('''
        import warnings

        def test_select_field_choices():
            warnings.warn("Passing SelectField choices as tuples is deprecated", DeprecationWarning)
    '''))
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "warning" not in result.stdout, result.stdout
