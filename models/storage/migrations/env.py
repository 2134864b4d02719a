"""Alembic environment: runs on the engine the caller hands over (see models.storage.db)."""

from alembic import context

from models.storage.schema import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite:
        # Batch migrations rebuild tables (copy, drop, rename); with foreign keys enforced
        # the drop of a referenced table fails. The pragma only works outside a
        # transaction, so it goes to the driver connection before SQLAlchemy begins one;
        # it is restored below and checked with foreign_key_check before the commit.
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=is_sqlite, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
        if is_sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    connection.commit()
    if is_sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
