//! oauth-spa (work in progress)
