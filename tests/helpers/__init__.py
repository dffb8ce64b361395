"""What several test files share; fixtures stay in the conftest.py of the folder that uses them.

- `html`: one parser for the pages the portal answers (elements, links, visible text), the CSRF
  token of a form, and the headers every private page carries.
- `sign_in`: every way a test signs a customer in (test client, HTTP, Chromium), the token
  endpoint's grants mocked, and what tells a signed-in browser from a signed-out one.
- `upstream`: the mocked upstream's URLs and the calls a page made to it.
- `upstream_data`: upstream answers shaped as CONTRACT.md says, and a customer's credentials.
- `checkout`, `invoices`: the upstream answers and requests of one page, for its tests.
- `clock`: a `time.time` that tests move on.
"""
