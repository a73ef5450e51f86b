namespace x400gw::smtp {}
