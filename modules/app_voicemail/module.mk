# app_voicemail: flows.lua is built into flows.o (.incbin).
modules/app_voicemail/flows.o: modules/app_voicemail/flows.lua
