// pkce-challenge: the PKCE pair only (verifier + S256 challenge), asynchronous.
import pkceChallenge from 'pkce-challenge';

export function pkcePair() {
  return pkceChallenge();
}
