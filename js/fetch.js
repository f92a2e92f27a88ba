// `session.fetch(input, init)` without DPoP: `fetch` with the session's access token as
// `Authorization: Bearer <token>`, sent once more after a forced refresh when the resource
// answers 401. (With `dpop: true`, in the oauth-spa/dpop entry, js/dpop.js `addFetch` gives the
// session its DPoP `fetch` instead.)
export function addFetch(session) {
  session.fetch = async (input, init) => {
    const base = new Request(input, init);
    for (let again = false; ; again = true) {
      const req = base.clone();
      req.headers.set('Authorization', 'Bearer ' + await session.getAccessToken(again ? { forceRefresh: true } : undefined));
      const res = await fetch(req);
      if (res.status !== 401 || again) return res;
    }
  };
}
