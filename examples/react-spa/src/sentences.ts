/** Error codes from the edge (`?error=` on a redirect, `error` in a JSON answer) as sentences. */
export function sentence(code: string | null | undefined, vendor: string): string {
  switch (code) {
    case 'access_denied':
      return `You declined access on ${vendor}'s consent page, so this app cannot act for you. Log in again if you change your mind.`;
    case 'consent_required':
    case 'reauthorization_required':
      return `${vendor} no longer lets this app act for you: consent again to continue.`;
    case 'login_intent_missing':
      return 'This login was not started in this browser, or it took too long. Please log in again.';
    case 'state_mismatch':
      return 'The answer from the consent page did not match this login (its state differs), so it was refused. Please log in again.';
    case 'login_cross_site':
      return 'Another site tried to start a login here; it was stopped. Use the Log in button.';
    case 'exchange_refused':
      return `${vendor} refused to exchange the login code (it may have expired or been used). Please log in again.`;
    case 'invalid_response':
      return `${vendor} answered in a way the edge could not accept. Please try again.`;
    case 'network_error':
    case 'timeout':
      return `${vendor} could not be reached in time. Please try again.`;
    case 'unauthenticated':
    case 'unauthorized':
      return 'Your session has ended. Please log in again.';
    case 'store_unavailable':
      return 'The session store is unavailable right now. Please try again in a moment.';
    case 'server_error':
    case 'temporarily_unavailable':
      return `${vendor} had a problem on its side. Please try again.`;
    case undefined:
    case null:
    case '':
      return 'Something went wrong. Please try again.';
    default:
      // Never the code itself: it came from the address bar, which any link can fill.
      return `The login with ${vendor} did not complete. Please try again.`;
  }
}
