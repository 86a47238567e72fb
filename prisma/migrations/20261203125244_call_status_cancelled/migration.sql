-- AlterEnum
ALTER TYPE "CallStatus" ADD VALUE 'cancelled';
