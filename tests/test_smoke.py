def test_settings_run_with_debug_off(settings):
    assert settings.DEBUG is False
