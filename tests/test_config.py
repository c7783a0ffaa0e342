"""Configuration comes from the environment; production refuses to start without secrets."""

import subprocess
import sys

import pytest

from config import (
    Config,
    ConfigurationError,
    DevelopmentConfig,
    ProductionConfig,
    config_from_environment,
    database_url,
)
from consult import ROOT


def test_production_names_every_missing_setting():
    class Empty(ProductionConfig):
        SECRET_KEY = None
        APP_BASE_URL = None
        MAIL_BACKEND = "smtp"
        MAIL_DEFAULT_SENDER = None

    with pytest.raises(ConfigurationError) as error:
        Empty.check()

    assert "SECRET_KEY" in str(error.value)
    assert "APP_BASE_URL" in str(error.value)
    assert "MAIL_DEFAULT_SENDER" in str(error.value)


def test_the_app_will_not_start_in_production_without_a_secret_key():
    environment = {"PATH": "", "CONSULT_CONFIG": "production", "APP_BASE_URL": "https://x.example"}
    result = subprocess.run(
        [sys.executable, "-c", "from consult import create_app; create_app()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "set the environment variable" in result.stderr and "SECRET_KEY" in result.stderr


def test_production_has_no_secret_defaults():
    assert Config.SECRET_KEY is None or Config.SECRET_KEY != DevelopmentConfig.SECRET_KEY
    assert ProductionConfig.ALLOW_DEMO is False
    assert ProductionConfig.SESSION_COOKIE_SECURE is True


def test_config_is_chosen_by_one_variable(monkeypatch):
    monkeypatch.setenv("CONSULT_CONFIG", "development")
    assert config_from_environment() is DevelopmentConfig
    monkeypatch.setenv("CONSULT_CONFIG", "staging")
    with pytest.raises(ConfigurationError, match="CONSULT_CONFIG must be one of"):
        config_from_environment()


def test_postgres_urls_use_psycopg_3():
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"


def test_development_defaults_need_no_server():
    assert DevelopmentConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert DevelopmentConfig.MAIL_BACKEND == "mailbox"
    assert DevelopmentConfig.APP_BASE_URL.startswith("http://localhost:")


def test_the_send_rate_defaults_to_exchange_onlines_limit():
    assert Config.MAIL_SEND_RATE_PER_MINUTE == 30


def test_the_dev_mailbox_never_runs_in_production():
    class Mailbox(ProductionConfig):
        SECRET_KEY = "a-real-secret"
        APP_BASE_URL = "https://consult.council.example"
        MAIL_BACKEND = "mailbox"

    with pytest.raises(ConfigurationError, match="MAIL_BACKEND=mailbox is for development"):
        Mailbox.check()
