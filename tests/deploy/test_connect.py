"""How the worker, the web app and the CLI reach Temporal: the SDK's own client configuration
(TLS, API key, a profile file), with NHACHAN_TEMPORAL_ADDRESS still naming the server when set."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from control.runtime import connect_config
from settings import Settings


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    # No profile file of the machine's (~/.config/temporalio/temporal.toml) may leak in.
    return {"TEMPORAL_CONFIG_FILE": str(tmp_path / "none.toml")}


def test_without_any_configuration_the_defaults_hold(environ: dict[str, str]) -> None:
    assert connect_config(Settings(), environ=environ) == {
        "target_host": "127.0.0.1:7233",
        "namespace": "default",
    }


def test_an_api_key_turns_tls_on(environ: dict[str, str]) -> None:
    environ |= {
        "TEMPORAL_ADDRESS": "nhachan.abcde.tmprl.cloud:7233",
        "TEMPORAL_NAMESPACE": "nhachan.abcde",
        "TEMPORAL_API_KEY": "secret",
    }
    assert connect_config(Settings(), environ=environ) == {
        "target_host": "nhachan.abcde.tmprl.cloud:7233",
        "namespace": "nhachan.abcde",
        "api_key": "secret",
        "tls": True,
    }


def test_mutual_tls_from_certificate_files(environ: dict[str, str], tmp_path: Path) -> None:
    for name in ("ca", "cert", "key"):
        (tmp_path / f"{name}.pem").write_bytes(f"-- {name} --".encode())
    environ |= {
        "TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(tmp_path / "ca.pem"),
        "TEMPORAL_TLS_CLIENT_CERT_PATH": str(tmp_path / "cert.pem"),
        "TEMPORAL_TLS_CLIENT_KEY_PATH": str(tmp_path / "key.pem"),
        "TEMPORAL_TLS_SERVER_NAME": "temporal.internal",
    }
    config = connect_config(Settings(temporal_address="temporal:7233"), environ=environ)
    assert config["target_host"] == "temporal:7233"
    tls = config["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == b"-- ca --"
    assert tls.client_cert == b"-- cert --"
    assert tls.client_private_key == b"-- key --"
    assert tls.domain == "temporal.internal"


def test_a_profile_from_the_file_temporal_config_file_names(tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_bytes(b"cert")
    (tmp_path / "key.pem").write_bytes(b"key")
    profiles = tmp_path / "temporal.toml"
    profiles.write_text(
        '[profile.default]\naddress = "localhost:7233"\n\n'
        '[profile.production]\naddress = "temporal.internal:7233"\nnamespace = "nhachan"\n'
        "[profile.production.tls]\n"
        f'client_cert_path = "{tmp_path / "cert.pem"}"\n'
        f'client_key_path = "{tmp_path / "key.pem"}"\n',
        encoding="utf-8",
    )
    environ = {"TEMPORAL_CONFIG_FILE": str(profiles), "TEMPORAL_PROFILE": "production"}
    config = connect_config(Settings(), environ=environ)
    assert (config["target_host"], config["namespace"]) == ("temporal.internal:7233", "nhachan")
    tls = config["tls"]
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key) == (b"cert", b"key")


def test_nhachan_temporal_address_names_the_server_as_before(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NHACHAN_TEMPORAL_ADDRESS", "10.0.0.5:7233")
    monkeypatch.setenv("NHACHAN_TEMPORAL_NAMESPACE", "nhachan")
    environ |= {"TEMPORAL_ADDRESS": "elsewhere:7233", "TEMPORAL_NAMESPACE": "other"}
    config = connect_config(Settings(), environ=environ)
    assert (config["target_host"], config["namespace"]) == ("10.0.0.5:7233", "nhachan")
