namespace x400gw::mime {}
