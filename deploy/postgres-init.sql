-- nhachan's own database beside Temporal's. The password is set from NHACHAN_DB_PASSWORD by
-- the operator after the first start: ALTER ROLE nhachan PASSWORD '...';
CREATE ROLE nhachan LOGIN;
CREATE DATABASE nhachan OWNER nhachan;
