"""Alembic environment: runs on the connection `data.db.upgrade_schema` hands over, or on DATABASE_URL."""

from alembic import context

from data.schema import metadata

config = context.config
target_metadata = metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    from config import Config
    from data.db import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or Config.from_env().database_url)
    with engine.begin() as conn:
        run(conn)
