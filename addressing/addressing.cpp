namespace x400gw::addressing {}
