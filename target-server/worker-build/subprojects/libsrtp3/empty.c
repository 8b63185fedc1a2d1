/* Placeholder: the real library comes from the Debian package through the *_dep dependency. */
