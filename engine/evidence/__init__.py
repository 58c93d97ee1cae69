"""Evidence that survives the database administrator, and process changes tested on real history.

- `keys`: Ed25519 key pairs for signing checkpoints (the private key never enters the store);
- `signing`: signed checkpoint statements, key rotation, `verify --trust`, the worker's schedule;
- `bundle` / `bundle_check`: a case's evidence pack as a zip, and its verification with no database;
- `calendar`: the working-day table a deadline is judged on, as data; what a new holidays release moves;
- `backtest` / `backtest_report`: recorded histories replayed under a proposed definition, and the report;
- `authority`: paths on which one person could take a case past a gate alone; `invariants:`.
"""
