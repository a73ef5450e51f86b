namespace x400gw::db {}
