"""Domain operations: plain functions (db, actor, args) that check rules and write rows + record."""
