"""Evidence that survives the database administrator, and process changes tested on real history.

- `keys`: Ed25519 key pairs for signing checkpoints (the private key never enters the store);
- `signing`: signed checkpoint statements, key rotation, and `verify --trust`;
- `bundle` / `bundle_check`: a case's evidence pack as a zip, and its verification with no database;
- `calendar`: the working-day table a deadline was judged on, as data; impact of a new holidays release;
- `backtest`: recorded histories replayed under a proposed definition;
- `authority`: paths on which one person could take a case past a gate alone.
"""
