"""Drives threadgate with Quip's official Python client (PyPI `quipclient`, a packaging of
quip/quip-api `python/quip.py`). Run by `tests/quip_client.rs`; prints one JSON document.

    export.py BASE_URL TOKEN THREAD_ID [COMPANY_ID]
        The export loop of Quip's backup sample (`samples/baqup/main.py`): ask for 100
        messages at a time with `max_created_usec` = the last page's oldest `created_usec`
        minus 1, until an empty page. With COMPANY_ID the admin endpoint is read through the
        client's JSON fetch helper. Prints {"calls": n, "messages": [...]}.

    export.py errors BASE_URL BAD_TOKEN ADMIN_TOKEN OWN_THREAD OTHER_THREAD COMPANY_ID
        Three failing calls; prints {case: {"code": int, "message": str(QuipError)}}.
"""

import json
import sys

from quipclient import QuipClient, QuipError

PAGE = 100


def export(client, thread_id, company_id=None):
    messages = []
    calls = 0
    max_created_usec = None
    while True:
        calls += 1
        if company_id is None:
            chunk = client.get_messages(
                thread_id, max_created_usec=max_created_usec, count=PAGE)
        else:
            chunk = client._fetch_json(
                "admin/messages/" + thread_id, company_id=company_id,
                max_created_usec=max_created_usec, count=PAGE)
        if not isinstance(chunk, list):
            raise SystemExit("not a bare JSON array: %r" % (chunk,))
        messages.extend(chunk)
        if chunk:
            max_created_usec = chunk[-1]["created_usec"] - 1
        else:
            break
    return {"calls": calls, "messages": messages}


def failing(call):
    try:
        call()
    except QuipError as e:
        return {"code": e.code, "message": str(e)}
    raise SystemExit("expected a QuipError")


def errors(base, bad_token, admin_token, own_thread, other_thread, company_id):
    bad = QuipClient(access_token=bad_token, base_url=base)
    admin = QuipClient(access_token=admin_token, base_url=base)
    return {
        "bad_token": failing(lambda: bad.get_messages(own_thread)),
        "missing_company_id": failing(
            lambda: admin._fetch_json("admin/messages/" + own_thread)),
        "other_company_thread": failing(
            lambda: admin._fetch_json(
                "admin/messages/" + other_thread, company_id=company_id)),
    }


def main(argv):
    if argv and argv[0] == "errors":
        out = errors(*argv[1:7])
    else:
        base, token, thread_id = argv[0:3]
        company_id = argv[3] if len(argv) > 3 else None
        client = QuipClient(access_token=token, base_url=base)
        out = export(client, thread_id, company_id)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
