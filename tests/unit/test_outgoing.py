"""The outgoing-request guard: which URLs may be saved, whatever way the address is spelt.

DNS is the module's own ``resolve`` function, stubbed: nothing here sends a packet.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

from partner_portal.services import outgoing

# Names the stub resolver knows; any other name does not resolve.
DNS = {
    "intranet.example.com": ["10.1.2.3"],
    "metadata.example.com": ["169.254.169.254"],
    "sneaky.example.com": ["93.184.215.14", "127.0.0.1"],  # one public, one loopback
    "v6-loopback.example.com": ["::1"],
    "mapped.example.com": ["::ffff:192.168.0.10"],
    "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "cdn.example.net": ["151.101.1.69"],
}


@pytest.fixture(autouse=True)
def stub_dns(monkeypatch):
    asked = []

    def resolve(host, port):
        asked.append(host)
        if host not in DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return DNS[host]

    monkeypatch.setattr(outgoing, "resolve", resolve)
    return asked


REFUSED = [
    # (url, kind of address it reaches)
    ("http://127.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://127.0.0.1./", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://0X7F000001/", "loopback"),
    ("http://0x7f.0.0.1/", "loopback"),
    ("http://0x7f.1/", "loopback"),
    ("http://127.255.255.254/", "loopback"),
    ("http://127\u30020\u30020\u30021/", "loopback"),  # ideographic full stops
    ("http://\uff11\uff12\uff17.0.0.1/", "loopback"),  # full-width digits
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://10.0.0.1/", "private"),
    ("http://10.255.255.255/", "private"),
    ("http://012.1/", "private"),  # octal 10.0.0.1
    ("http://167772161/", "private"),  # decimal 10.0.0.1
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.254/", "private"),
    ("http://192.168.0.1/", "private"),
    ("http://0xc0.0xa8.1.1/", "private"),
    ("http://100.64.0.1/", "private"),
    ("http://100.127.255.254/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://2852039166/", "link-local"),  # decimal 169.254.169.254
    ("http://0xa9fea9fe/", "link-local"),
    ("http://0251.0376.0251.0376/", "link-local"),
    ("http://169.254.0.1/", "link-local"),
    ("http://[::1]/", "loopback"),
    ("http://[0:0:0:0:0:0:0:1]/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[0:0:0:0:0:ffff:a9fe:a9fe]/", "link-local"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://[fd00::1]/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[fec0::1]/", "private"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[64:ff9b::7f00:1]/", "loopback"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
    ("http://[64:ff9b:1::1]/", "private"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://[2002:a9fe:a9fe::1]/", "link-local"),
    ("http://[::7f00:1]/", "reserved"),  # IPv4-compatible (deprecated)
    ("http://224.0.0.1/", "multicast"),
    ("http://239.255.255.250/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[ff0e::1]/", "multicast"),
    ("http://255.255.255.255/", "broadcast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://192.0.2.1/", "reserved"),
    ("http://198.18.0.1/", "reserved"),
    ("http://[2001:db8::1]/", "reserved"),
    ("http://[100::1]/", "reserved"),
    ("http://localhost/", "loopback"),
    ("http://LOCALHOST/", "loopback"),
    ("http://LOCALHOST./", "loopback"),
    ("http://localhost:8080/hooks", "loopback"),
    ("http://a.b.localhost/", "loopback"),
    ("http://Admin.LocalHost./", "loopback"),
    # the user information is not the host: the host is 127.0.0.1
    ("http://example.com@127.0.0.1/", "loopback"),
    ("http://example.com:443@127.0.0.1/", "loopback"),
    ("https://hooks.example.com:pass@[::1]/", "loopback"),
    # any port
    ("http://127.0.0.1:80/", "loopback"),
    ("https://127.0.0.1:443/", "loopback"),
    ("http://10.0.0.1:6379/", "private"),
    ("http://[::1]:5432/", "loopback"),
    ("https://169.254.169.254:8443/", "link-local"),
    # names: every address in the answer is checked
    ("https://intranet.example.com/hooks", "private"),
    ("https://INTRANET.example.com./hooks", "private"),
    ("https://metadata.example.com/", "link-local"),
    ("https://sneaky.example.com/", "loopback"),
    ("https://v6-loopback.example.com/", "loopback"),
    ("https://mapped.example.com/", "private"),
]


@pytest.mark.parametrize("url, kind", REFUSED, ids=[u for u, _ in REFUSED])
def test_non_public_targets_are_refused_however_spelt(url, kind):
    with pytest.raises(outgoing.Refused) as refused:
        outgoing.check_url(url)
    assert outgoing.KINDS[kind] in refused.value.message


@pytest.mark.parametrize("url, kind", [r for r in REFUSED if "example.com" not in r[0].split("@")[-1]
                                       and "localhost" not in r[0].lower()],
                         ids=lambda v: v if isinstance(v, str) and "/" in v else "")
def test_every_spelling_is_read_as_the_address_it_reaches(url, kind):
    target = outgoing.parse_url(url)
    assert target.address is not None
    assert outgoing.classify(target.address) == kind


PUBLIC = [
    "https://hooks.example.com/partners",
    "https://HOOKS.Example.COM./partners?x=1",
    "https://cdn.example.net:8443/in",
    "https://8.8.8.8/hooks",
    "http://134744072/",  # 8.8.8.8 spelt as a number: still a public address
    "https://1.1.1.1:443/",
    "https://100.63.255.255/",  # just below the shared address space
    "https://100.128.0.1/",  # just above it
    "https://172.15.255.255/",
    "https://172.32.0.1/",
    "https://169.253.255.255/",
    "https://[2606:4700:4700::1111]/hooks",
    "https://[::ffff:8.8.8.8]/",
    "https://[64:ff9b::808:808]/",  # NAT64 of a public address
    "https://[2002:808:808::1]/",  # 6to4 of a public address
    "https://not-registered-yet.example.org/hooks",  # does not resolve (yet): accepted
    "https://xn--bcher-kva.example/",
    "https://bücher.example/",
    "https://localhost.example.com/",  # a name that merely starts with localhost
    "https://mylocalhost/",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_targets_pass(url):
    outgoing.check_url(url)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "93.184.215.14", "151.101.1.69",
                                     "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"])
def test_public_addresses_are_public(address):
    assert outgoing.classify(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize("url", [
    "ftp://hooks.example.com/", "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO",
    "javascript:alert(1)", "hooks.example.com/in", "//hooks.example.com/in", "http:///in",
    "http://hooks.example.com:0/", "http://hooks.example.com:65536/", "http://hooks.example.com:x/",
    "http://1.2.3.4.5/", "http://256.0.0.1/", "http://0x100000000/", "http://1.2.3.08/",
    "http://example.123/", "http://[::1/", "http://[fe80::1%25eth0]/",
    "http://hooks.example.com/a b", "http://hooks.example.com/\r\nX-Injected: 1",
    "http://exa%41mple.com/", "http://exa mple.com/", "http://a..b.example/",
    "https://user:secret@hooks.example.com/",
])
def test_malformed_urls_and_user_information_are_refused(url):
    with pytest.raises(outgoing.InvalidURL):
        outgoing.check_url(url)


def test_localhost_and_addresses_are_never_looked_up(stub_dns):
    for url in ("http://localhost/", "http://a.b.localhost/", "http://127.1/", "http://[::1]/"):
        with pytest.raises(outgoing.Refused):
            outgoing.check_url(url)
    assert stub_dns == []


def test_a_name_is_looked_up_once_and_compared_without_case_or_trailing_dot(stub_dns):
    with pytest.raises(outgoing.Refused, match="intranet.example.com resolves to 10.1.2.3"):
        outgoing.check_url("https://InTrAnEt.Example.Com./x")
    assert stub_dns == ["intranet.example.com"]


def test_an_answer_mixing_public_and_private_addresses_is_refused_before_any_connection():
    target = outgoing.parse_url("https://sneaky.example.com/hooks")
    with pytest.raises(outgoing.Refused, match="127.0.0.1, a loopback address"):
        outgoing.checked_addresses(target)
    with pytest.raises(outgoing.Refused):
        outgoing.post("https://sneaky.example.com/hooks", b"{}", {}, timeout=1)


def test_a_name_that_does_not_resolve_is_not_sent_to():
    with pytest.raises(outgoing.SendFailed, match="does not resolve"):
        outgoing.post("https://not-registered-yet.example.org/", b"{}", {}, timeout=1)


def test_allowed_networks_open_only_what_they_name():
    loopback2 = ipaddress.ip_address("127.0.0.2")
    allowed = [ipaddress.ip_network("127.0.0.2/32")]
    assert outgoing.refusal(loopback2, allowed) is None
    assert outgoing.refusal(ipaddress.ip_address("::ffff:127.0.0.2"), allowed) is None
    assert outgoing.refusal(ipaddress.ip_address("127.0.0.1"), allowed) == "loopback"
    assert outgoing.refusal(ipaddress.ip_address("10.0.0.1"), allowed) == "private"
    assert outgoing.refusal(loopback2) == "loopback"


def test_production_refuses_allowed_networks(monkeypatch):
    from partner_portal import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("OUTGOING_ALLOWED_NETWORKS", "127.0.0.0/8")
    with pytest.raises(RuntimeError, match="OUTGOING_ALLOWED_NETWORKS"):
        create_app("production")
    monkeypatch.delenv("OUTGOING_ALLOWED_NETWORKS")
    app = create_app("production", OUTGOING_ALLOWED_NETWORKS=["127.0.0.0/8"])
    with app.app_context(), pytest.raises(RuntimeError, match="OUTGOING_ALLOWED_NETWORKS"):
        outgoing.check_url("https://hooks.example.com/")
